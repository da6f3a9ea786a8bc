"""Who may do what with a company file (SPEC section 1; issue: customers and factories).

Seeing a company is ``Company.objects.visible_to(user)``; these answer the narrower
questions on top of that. Views call them to show only the actions allowed now, and the
services call them again, so a forged POST is refused the same way.
"""

from __future__ import annotations

from accounts.models import User


def can_create_company(user: User) -> bool:
    """Salespersons add their own customers and factories; managers add them for their team.
    Assistants cannot (SPEC section 1)."""
    return user.is_authenticated and (user.is_superuser or user.role in {User.Role.SALESPERSON, User.Role.MANAGER})


def owner_choices(user: User):
    """Whom a new or moved company may belong to."""
    if user.is_superuser or user.is_gm or user.is_manager:
        return User.objects.in_jurisdiction_of(user).filter(role=User.Role.SALESPERSON, is_active=True)
    if user.is_salesperson:
        return User.objects.filter(pk=user.pk)
    return User.objects.none()


def can_assign(user: User, company) -> bool:
    """The owner assigns and takes back; a manager in jurisdiction may too."""
    if user.is_superuser or user.pk == company.owner_id:
        return True
    return (user.is_manager or user.is_gm) and owner_choices(user).filter(pk=company.owner_id).exists()


def can_transfer(user: User, company) -> bool:
    """Only a manager moves a company to another salesperson in their jurisdiction."""
    if user.is_superuser:
        return True
    return (user.is_manager or user.is_gm) and owner_choices(user).filter(pk=company.owner_id).exists()


def assignable_assistants(company):
    """Assistants who serve the owner: the only ones a company can be assigned to."""
    return User.objects.filter(role=User.Role.ASSISTANT, is_active=True, serves=company.owner_id)
