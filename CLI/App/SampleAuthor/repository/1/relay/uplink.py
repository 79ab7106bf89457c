"""Forwards the spool to the Trust's server, oldest reading first.

The server acknowledges a batch by returning the highest (gauge, sequence) pair it has stored
for each gauge. The relay keeps that watermark per gauge and only ever sends readings above it,
so a batch that was stored but whose answer got lost on a flaky 4G link is simply sent again and
ignored by the server, which also deduplicates on (gauge, sequence).
"""

import random
import time

BASE_DELAY = 5.0
MAX_DELAY = 600.0


def delay(attempt):
    """Full jitter: a random wait up to an exponentially growing cap."""
    return random.uniform(0, min(MAX_DELAY, BASE_DELAY * 2 ** attempt))


def forward(spool_readings, send, watermarks):
    attempt = 0
    while True:
        batch = [r for r in spool_readings() if r["sequence"] > watermarks.get(r["gauge"], -1)][:500]
        if not batch:
            return
        try:
            acknowledged = send(batch)
        except OSError:
            time.sleep(delay(attempt))
            attempt += 1
            continue
        attempt = 0
        for gauge, sequence in acknowledged.items():
            watermarks[gauge] = max(watermarks.get(gauge, -1), sequence)
