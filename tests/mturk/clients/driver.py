"""Run a client library's own MTurk calls against microwork, in the library's own virtualenv.

    python driver.py <library> <step> '<json arguments>'

prints the step's answer as JSON. Only the endpoint and the keys differ from what the library
does against Amazon: every boto3 "mturk" client is pointed at MICROWORK_MTURK_ENDPOINT (the
libraries write Amazon's URL in their code), and the keys come from the environment
(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY). Rewards, durations and the calls are the
libraries' own (tests/mturk/test_client_libraries.py). This file runs under the library's
Python, never under microwork's.
"""

import configparser
import datetime
import json
import os
import sys

import boto3.session

ENDPOINT = os.environ["MICROWORK_MTURK_ENDPOINT"]
KEY = os.environ["AWS_ACCESS_KEY_ID"]
SECRET = os.environ["AWS_SECRET_ACCESS_KEY"]

_client = boto3.session.Session.client


def _to_microwork(self, service_name, *args, **kwargs):
    if service_name == "mturk":
        kwargs["endpoint_url"] = ENDPOINT  # the one change: Amazon's URL -> microwork's
    return _client(self, service_name, *args, **kwargs)


boto3.session.Session.client = _to_microwork


# --- psiTurk 3: psiturk.amt_services.MTurkServices -------------------------------------------


def _psiturk():
    from psiturk.amt_services import MTurkServices

    config = configparser.ConfigParser()
    config["AWS Access"] = {"aws_access_key_id": KEY, "aws_secret_access_key": SECRET}
    return MTurkServices(config=config, mode="live")


def psiturk(step, args):
    services = _psiturk()
    if step == "create":
        # psiTurk's HIT configuration with its defaults (local_config_defaults.txt: lifetime 24
        # hours, us_only, approve_requirement 95, number_hits_approved 0, no Masters) and its
        # documented reward and duration, 1.00 for 5 minutes.
        response = services.create_hit(
            {
                "title": "Stroop task",
                "description": "Judge the color of a series of words.",
                "keywords": "Perception, Psychology",
                "reward": 1.00,
                "duration": datetime.timedelta(minutes=5),
                "lifetime": datetime.timedelta(hours=24),
                "max_assignments": args["workers"],
                "approve_requirement": 95,
                "number_hits_approved": 0,
                "require_master_workers": False,
                "us_only": True,
                "require_qualification_ids": args.get("require", []),
                "block_qualification_ids": [],
                "advanced_qualifications": [],
                "ad_location": args["ad"],
            }
        )
        assert response.success, response.exception
        return {"hit_id": response.data["HITId"], "hit_type_id": response.data["HITTypeId"]}
    if step == "list":
        hits = services.get_all_hits()
        assignments = services.get_assignments(hit_ids=args["hit_ids"])
        assert hits.success and assignments.success
        return {
            "hits": sorted(hit.options["hitid"] for hit in hits.data),
            "assignments": sorted(a["assignmentId"] for a in assignments.data),
        }
    if step == "approve":
        response = services.approve_assignment(args["assignment_id"])
        assert response.success, response.exception
        return {"ok": True}
    if step == "bonus":
        response = services.bonus_assignment(
            args["assignment_id"], args["worker_id"], args["amount"], reason="Thank you"
        )
        assert response.success, response.exception
        return {"ok": True}
    if step == "qualifications":
        response = services.list_qualification_types()
        assert response.success, response.exception
        return {"names": sorted(q["Name"] for q in response.data)}
    raise SystemExit(f"unknown psiturk step {step}")


# --- Dallinger: dallinger.mturk.MTurkService -------------------------------------------------


def _dallinger():
    from dallinger.mturk import MTurkService

    return MTurkService(KEY, SECRET, "us-east-1", sandbox=False)


def dallinger(step, args):
    from dallinger.mturk import MTurkQualificationRequirements, MTurkQuestions

    service = _dallinger()
    if step == "check":
        return {"ok": service.check_credentials(), "balance": service.account_balance()}
    if step == "qualify":
        created = service.create_qualification_type(
            "experienced", "Took part in an earlier experiment"
        )
        service.assign_qualification(created["id"], args["worker_id"], 5)
        return {
            "qualification_id": created["id"],
            "score": service.current_qualification_score(created["id"], args["worker_id"]),
        }
    if step == "create":
        # Dallinger's demo: 1.00 for 0.1 hour, a day to live; without the SNS subscription,
        # which needs Amazon's SNS (do_subscribe, Dallinger's own switch).
        hit = service.create_hit(
            experiment_id="demo",
            title="Bartlett 1932",
            description="Read a story and retell it.",
            keywords=["memory", "story"],
            reward=1.00,
            duration_hours=0.1,
            lifetime_days=1,
            question=MTurkQuestions.external(args["ad"]),
            max_assignments=args["workers"],
            qualifications=[
                MTurkQualificationRequirements.min_approval(95),
                MTurkQualificationRequirements.must_have(args["qualification_id"]),
            ],
            do_subscribe=False,
        )
        return {"hit_id": hit["id"], "hit_type_id": hit["type_id"]}
    if step == "list":
        hits = list(service.get_hits())
        return {"hits": sorted(hit["id"] for hit in hits)}
    if step == "approve":
        return {"ok": service.approve_assignment(args["assignment_id"])}
    if step == "bonus":
        return {"ok": service.grant_bonus(args["assignment_id"], 0.50, "Well done")}
    if step == "notifications":
        # The call Dallinger's recruiter makes once its SNS topic exists
        # (MTurkService._create_notification_subscription), with a topic's ARN.
        service.mturk.update_notification_settings(
            HITTypeId=args["hit_type_id"],
            Notification={
                "Destination": "arn:aws:sns:us-east-1:123456789012:demo",
                "Transport": "SNS",
                "Version": "2014-08-15",
                "EventTypes": ["AssignmentAccepted", "AssignmentSubmitted", "HITExpired"],
            },
            Active=True,
        )
        return {"ok": True}
    raise SystemExit(f"unknown dallinger step {step}")


# --- Mephisto: mephisto.abstractions.providers.mturk.mturk_utils ----------------------------


def mephisto(step, args):
    from mephisto.abstractions.providers.mturk import mturk_utils

    client = boto3.session.Session(
        aws_access_key_id=KEY, aws_secret_access_key=SECRET, region_name="us-east-1"
    ).client("mturk")
    if step == "import":
        return {"ok": mturk_utils.client_is_sandbox(client) is False}
    raise SystemExit(f"unknown mephisto step {step}")


if __name__ == "__main__":
    library, step, raw = sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "{}"
    print(json.dumps(globals()[library](step, json.loads(raw))))
