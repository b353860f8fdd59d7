"""Manage orders → Contact seller / Contact buyer: the order's conversation page."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from disputes.errors import DisputeError
from disputes.models import Notification
from orders.conversation import MAX_MESSAGE, conversation_open, order_message_post, thread
from orders.models import Order
from orders.selectors import order_for_user


class OrderMessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=MAX_MESSAGE,
        help_text=_("Say what is wrong and what you would like; the other party is told at once."),
    )


def _party(request: HttpRequest, reference: str) -> tuple[User, Order]:
    user: User = request.user  # type: ignore[assignment]
    if user.role not in (Role.BUYER, Role.SELLER):
        raise Http404("An order's conversation is between its buyer and its seller.")
    return user, order_for_user(user, reference)


@login_required
def order_conversation_view(request: HttpRequest, reference: str) -> HttpResponse:
    user, order = _party(request, reference)
    form = OrderMessageForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                order_message_post(order=order, actor=user, body=form.cleaned_data["body"])
            except DisputeError as exc:
                form.add_error("body", exc.message)
            else:
                return redirect("orders:conversation", reference=order.reference)
    else:
        # Reading the thread reads its notifications (the bell and the order list count them).
        Notification.objects.filter(recipient=user, order=order, read_at__isnull=True).update(
            read_at=timezone.now()
        )
    return render(
        request,
        "orders/conversation.html",
        {
            "order": order,
            "messages_": list(thread(order)),
            "form": form,
            "is_seller": user.pk == order.seller_id,
            "open": conversation_open(order),
            "disputes": list(order.disputes.all()),
        },
        status=400 if request.method == "POST" else 200,
    )
