"""What every app builds on and no app owns: the API's base (``core.api``: the view
base class, errors, pagination, parsers, throttles, the prebuilt serializer fields)."""
