from django import template

from microwork.payments import banking

register = template.Library()


@register.simple_tag
def transfer_details(user) -> banking.TransferDetails:
    """The operator's account and `user`'s transfer reference (computed: nothing is written)."""
    return banking.transfer_details(user)
