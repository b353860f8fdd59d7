from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.forms import NameForm, SellerProfileForm
from accounts.models import SellerProfile, User


@login_required
def account(request: HttpRequest) -> HttpResponse:
    """Your account: name, store (sellers), and links to email, password and 2FA."""
    user: User = request.user  # type: ignore[assignment]
    profile = SellerProfile.objects.filter(user=user).first() if user.is_seller else None
    name_form = NameForm(request.POST or None, instance=user, prefix="me")
    store_form = (
        SellerProfileForm(request.POST or None, instance=profile, prefix="store")
        if user.is_seller
        else None
    )
    if request.method == "POST":
        forms_ok = name_form.is_valid() and (store_form is None or store_form.is_valid())
        if forms_ok:
            name_form.save()
            if store_form is not None:
                store = store_form.save(commit=False)
                store.user = user
                store.save()
            messages.success(request, _("Your account details are saved."))
            return redirect("accounts:account")
    return render(
        request,
        "accounts/account.html",
        {"name_form": name_form, "store_form": store_form},
        # Only an invalid form comes back here: a 400 leaves its one-time key
        # usable for the corrected form (disputes_site/once.py).
        status=400 if request.method == "POST" else 200,
    )


@login_required
def avoid_disputes_view(request: HttpRequest) -> HttpResponse:
    """The help article's advice next to the sellers' figures (SPEC section 2)."""
    from accounts.reputation import seller_reputation
    from orders.models import Order

    user: User = request.user  # type: ignore[assignment]
    if user.is_seller:
        seller_ids = [user.pk]
    else:
        seller_ids = list(
            Order.objects.filter(buyer=user).values_list("seller_id", flat=True).distinct()[:20]
        )
    sellers = User.objects.filter(pk__in=seller_ids).select_related("seller_profile")
    rows = [
        {
            "seller": seller,
            "store": getattr(getattr(seller, "seller_profile", None), "store_name", ""),
            "reputation": seller_reputation(seller.pk),
        }
        for seller in sellers
    ]
    return render(request, "help/avoid_disputes.html", {"sellers": rows})


@login_required
def seller_page_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A seller's page: the store and its reputation, for buyers choosing whom to buy from."""
    from django.shortcuts import get_object_or_404

    from accounts.models import Role
    from accounts.reputation import seller_reputation

    seller = get_object_or_404(
        User.objects.select_related("seller_profile"), pk=pk, role=Role.SELLER, is_active=True
    )
    profile = getattr(seller, "seller_profile", None)
    return render(
        request,
        "accounts/seller.html",
        {
            "seller": seller,
            "profile": profile,
            "store": profile.store_name if profile else "",
            "reputation": seller_reputation(seller.pk),
        },
    )
