from django.urls import path

from microwork.web.payments import views

app_name = "payments"
urlpatterns = [
    path("balance/", views.requester_balance, name="requester-balance"),
    path("balance/statement.csv", views.requester_statement_csv, name="requester-statement-csv"),
    path("earnings/", views.worker_earnings, name="worker-earnings"),
    path("earnings/payout/", views.payout_request, name="payout-request"),
    path("bonus/<str:assignment_id>/", views.bonus_send, name="bonus-send"),
    path("staff/deposits/", views.staff_deposit, name="staff-deposit"),
    path("staff/payouts/", views.staff_payouts, name="staff-payouts"),
    path("staff/payouts.csv", views.staff_payouts_csv, name="staff-payouts-csv"),
]
