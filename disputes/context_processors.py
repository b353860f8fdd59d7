from django.http import HttpRequest

from disputes.selectors import unread_count


def notifications(request: HttpRequest) -> dict[str, object]:
    """The bell's unread count, for every page (one COUNT on the partial index)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": unread_count(user)}
