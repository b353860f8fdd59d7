"""The API's base, imported by every app's API (disputes, orders, evidence,
integrations): ``views.ApiView``, the error format and handler (``errors``), the
cursor pagination, the JSON parser's limits, the throttles."""
