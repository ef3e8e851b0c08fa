"""The customer_resources tables (prefix cr_). Importing this package registers them all."""

from crm_customer_resources.models.cases import (
    CASE_KINDS,
    CASE_STATUSES,
    OPEN_CASE_STATUSES,
    ServiceCase,
)
from crm_customer_resources.models.expenses import Expense
from crm_customer_resources.models.knowledge import ARTICLE_CATEGORIES, Article
from crm_customer_resources.models.orders import Installment, Order, OrderLine, Payment
from crm_customer_resources.models.profile import LEVELS, CustomerProfile

__all__ = [
    "ARTICLE_CATEGORIES",
    "CASE_KINDS",
    "CASE_STATUSES",
    "LEVELS",
    "OPEN_CASE_STATUSES",
    "Article",
    "CustomerProfile",
    "Expense",
    "Installment",
    "Order",
    "OrderLine",
    "Payment",
    "ServiceCase",
]
