"""SEPA Credit Transfer files (ISO 20022 pain.001) from plain data, with sepaxml.

sepaxml writes the XML; validate() checks it against the ISO 20022 schema sepaxml bundles, with
xmlschema, before the file is given out, so no file leaves here that a bank would refuse for its
shape (docs/adr/0025). The schema is compiled once per process: compiling it is most of the
cost (sepaxml's own export(validate=True) compiles it on every call).
"""

import datetime
import functools
import os
from dataclasses import dataclass

import sepaxml
from sepaxml import SepaTransfer

VERSIONS = {"09": "pain.001.001.09", "03": "pain.001.001.03"}
DEFAULT_VERSION = "pain.001.001.09"


class SepaError(ValueError):
    pass


@dataclass(frozen=True)
class Transfer:
    end_to_end_id: str
    amount_cents: int
    iban: str
    name: str
    description: str
    bic: str = ""


def schema_path(version: str) -> str:
    """The XSD sepaxml bundles for `version`, e.g. "pain.001.001.09"."""
    return os.path.join(os.path.dirname(sepaxml.__file__), "schemas", f"{version}.xsd")


@functools.cache
def _schema(version: str):
    import xmlschema  # imported here: sepaxml warns that xmlschema patches ElementTree on import

    return xmlschema.XMLSchema(schema_path(version))


def validate(xml: bytes, version: str) -> None:
    """Raise SepaError naming the first problem if `xml` does not follow the `version` XSD."""
    if version not in VERSIONS.values():
        raise SepaError(f"unknown SEPA version {version}")
    error = next(iter(_schema(version).iter_errors(xml.decode())), None)
    if error is not None:
        raise SepaError(f"{version}: {error.reason} at {error.path}")


def build(
    *,
    transfers: list[Transfer],
    debtor_name: str,
    debtor_iban: str,
    debtor_bic: str = "",
    version: str = DEFAULT_VERSION,
    execution_date: datetime.date,
    currency: str = "EUR",
) -> tuple[str, bytes]:
    """(message id, XML) of one pain.001 file paying `transfers` from the debtor's account,
    validated against the schema. SepaError if the data cannot make a valid file."""
    if version not in VERSIONS.values():
        raise SepaError(f"unknown SEPA version {version}")
    if not transfers:
        raise SepaError("a SEPA file needs at least one transfer")
    if not debtor_iban:
        raise SepaError("the operator's IBAN (MICROWORK_OPERATOR_IBAN) is not set")
    config = {"name": debtor_name, "IBAN": debtor_iban, "batch": True, "currency": currency}
    if debtor_bic:
        config["BIC"] = debtor_bic
    try:
        sepa = SepaTransfer(config, schema=version, clean=True)
        for transfer in transfers:
            payment = {
                "name": transfer.name,
                "IBAN": transfer.iban,
                "amount": transfer.amount_cents,
                "execution_date": execution_date,
                "description": transfer.description,
                "endtoend_id": transfer.end_to_end_id,
            }
            if transfer.bic:
                payment["BIC"] = transfer.bic
            sepa.add_payment(payment)
        xml = sepa.export(validate=False)  # validated below, with the schema compiled once
    except Exception as error:  # sepaxml raises bare Exceptions for bad data
        raise SepaError(str(error)) from error
    validate(xml, version)
    return sepa.msg_id, xml
