from django.conf import settings

from .navigation import items_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "LANGUAGE_CHOICES": settings.LANGUAGES}
    return {"nav_items": items_for(user, request.path), "LANGUAGE_CHOICES": settings.LANGUAGES}
