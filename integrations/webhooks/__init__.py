"""Sellers' webhooks: dispute events sent as signed requests (Standard Webhooks).

The event row is the outbox (ARCHITECTURE rule 4): after a transaction that
appended an event commits, ``fan_out`` writes one ``WebhookDelivery`` per
active endpoint of the dispute's seller and enqueues its delivery; failed
attempts are retried with exponential backoff (``WEBHOOK_RETRY_DELAYS``);
the sweep picks up whatever a crashed worker or a broker outage left behind.

Signing: ``webhook-id``, ``webhook-timestamp`` and ``webhook-signature`` =
``v1,`` + base64 HMAC-SHA256 of ``id.timestamp.body`` keyed with the
endpoint's secret (the ``standardwebhooks`` package does the HMAC).

Where requests may go (public addresses only, no redirect, one deadline, a
capped answer): ``integrations.outbound``, at registration and at each attempt.

The package: ``services`` (endpoints, the fan-out of events into deliveries, the
replay and the sweeps), ``selectors`` (what a seller's system may see, the
payload, a seller's deliveries) and ``transport`` (signing, one attempt, queueing
it).
"""
