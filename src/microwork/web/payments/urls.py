from django.urls import path

from microwork.web.payments import banking, deposits, payout_details, views

app_name = "payments"
urlpatterns = [
    path("balance/", views.requester_balance, name="requester-balance"),
    path("balance/statement.csv", views.requester_statement_csv, name="requester-statement-csv"),
    path("earnings/", views.worker_earnings, name="worker-earnings"),
    path("earnings/payout/", views.payout_request, name="payout-request"),
    path("bonus/<str:assignment_id>/", views.bonus_send, name="bonus-send"),
    path("balance/add-funds/", deposits.card_deposit, name="card-deposit"),
    path("balance/add-funds/<int:pk>/", deposits.card_deposit_detail, name="card-deposit-detail"),
    path("balance/receipts/", deposits.receipt_list, name="receipt-list"),
    path("receipts/<slug:number>/", deposits.receipt_detail, name="receipt"),
    path("receipts/<slug:number>.pdf", deposits.receipt_pdf, name="receipt-pdf"),
    path("stripe/webhook/", deposits.stripe_webhook, name="stripe-webhook"),
    path("earnings/payout-details/", payout_details.payout_method, name="payout-method"),
    path("staff/deposits/", views.staff_deposit, name="staff-deposit"),
    path("staff/payouts/", views.staff_payouts, name="staff-payouts"),
    path("staff/payouts.csv", views.staff_payouts_csv, name="staff-payouts-csv"),
    path("staff/bank/", banking.staff_bank, name="staff-bank"),
    path("staff/bank/<int:pk>/", banking.staff_bank_statement, name="staff-bank-statement"),
    path(
        "staff/bank/lines/<int:pk>/assign/",
        banking.staff_bank_line_assign,
        name="staff-bank-line-assign",
    ),
    path(
        "staff/bank/lines/<int:pk>/dismiss/",
        banking.staff_bank_line_dismiss,
        name="staff-bank-line-dismiss",
    ),
    path("staff/payout-files/", banking.staff_payout_files, name="staff-payout-files"),
    path(
        "staff/payout-files/<int:pk>/download/",
        banking.staff_payout_file_download,
        name="staff-payout-file-download",
    ),
    path(
        "staff/payouts/<int:pk>/sent/",
        banking.staff_payout_sent_settle,
        name="staff-payout-sent-settle",
    ),
]
