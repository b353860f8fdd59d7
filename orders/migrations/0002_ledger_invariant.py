"""The refund ledger's invariant in the database (issue 13, docs/audit.md "Corrections"):
what an order was paid never falls below what is refunded on it, counting pending,
processing, paid and paid-outside refunds (``disputes.choices.COMMITTED_REFUND_STATES``,
as ``refunds.refundable`` counts them; a test checks the two lists agree).

- ``orders_paid_covers_refunds`` on orders_order refuses lowering ``amount_paid``
  below that sum. Raising it is never refused (it can only repair a ledger).
- ``refund_within_paid`` on disputes_refund refuses a refund that, inserted as
  committed or moved back to committed (a failed refund retried), would make the
  sum exceed ``amount_paid``. It takes the order's row lock, as the services do
  before any refund (``engine.lock``), so two refunds of one order are counted one
  after the other; the gateway's own moves (pending, processing, paid, failed)
  stay committed or leave it and are not checked, and take no lock.

PostgreSQL only (the demo's SQLite has no triggers). The errors are SQLSTATE 23001
(restrict_violation): Django raises IntegrityError.
"""

from django.db import migrations

COMMITTED = "('pending', 'processing', 'succeeded', 'settled_outside')"

FUNCTIONS = rf"""
CREATE OR REPLACE FUNCTION orders_paid_covers_refunds() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  refunded numeric;
BEGIN
  SELECT coalesce(sum(amount), 0) INTO refunded FROM disputes_refund
    WHERE order_id = NEW.id AND status IN {COMMITTED};
  IF NEW.amount_paid < refunded THEN
    RAISE EXCEPTION 'UPDATE of order % is refused: amount_paid % is below the % refunded '
      'or on its way (docs/audit.md, "Corrections")', NEW.id, NEW.amount_paid, refunded
      USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION orders_refund_within_paid() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  paid numeric;
  refunded numeric;
BEGIN
  SELECT amount_paid INTO paid FROM orders_order WHERE id = NEW.order_id FOR UPDATE;
  IF paid IS NULL THEN
    RETURN NEW;  -- no such order: the foreign key refuses it
  END IF;
  SELECT coalesce(sum(amount), 0) INTO refunded FROM disputes_refund
    WHERE order_id = NEW.order_id AND status IN {COMMITTED} AND id IS DISTINCT FROM NEW.id;
  IF refunded + NEW.amount > paid THEN
    RAISE EXCEPTION '% of refund % is refused: % refunded or on its way on order % would '
      'exceed the % paid (docs/audit.md, "Corrections")',
      TG_OP, NEW.id, refunded + NEW.amount, NEW.order_id, paid
      USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN NEW;
END $$;
"""

# Distinct names from disputes' own triggers on disputes_refund (migration 0007:
# disputes_refund_kept, disputes_refund_update).
TRIGGERS = rf"""
CREATE TRIGGER orders_paid_covers_refunds BEFORE UPDATE OF amount_paid ON orders_order
  FOR EACH ROW WHEN (NEW.amount_paid < OLD.amount_paid)
  EXECUTE FUNCTION orders_paid_covers_refunds();
CREATE TRIGGER refund_within_paid BEFORE INSERT ON disputes_refund
  FOR EACH ROW WHEN (NEW.status IN {COMMITTED})
  EXECUTE FUNCTION orders_refund_within_paid();
CREATE TRIGGER refund_recommitted_within_paid BEFORE UPDATE OF status ON disputes_refund
  FOR EACH ROW WHEN (NEW.status IN {COMMITTED} AND OLD.status NOT IN {COMMITTED})
  EXECUTE FUNCTION orders_refund_within_paid();
"""

DROP = r"""
DROP TRIGGER IF EXISTS orders_paid_covers_refunds ON orders_order;
DROP TRIGGER IF EXISTS refund_within_paid ON disputes_refund;
DROP TRIGGER IF EXISTS refund_recommitted_within_paid ON disputes_refund;
DROP FUNCTION IF EXISTS orders_paid_covers_refunds();
DROP FUNCTION IF EXISTS orders_refund_within_paid();
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTIONS, params=None)
        schema_editor.execute(TRIGGERS, params=None)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0001_initial"),
        ("disputes", "0007_refuse_changes"),
    ]

    operations = [
        migrations.RunPython(install, uninstall, elidable=False),
    ]
