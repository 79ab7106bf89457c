"""The relay's spool: an append-only file of gauge readings.

A gauge sends each reading with its gauge id and a sequence number that it increments on every
wake-up and keeps across reboots (it lives in the gauge's FRAM, not in RAM). LoRa gives us no
delivery guarantee, so a gauge that misses our ack sends the same reading again on its next
wake-up, and sometimes a third time. We must store it once.

The spool therefore treats (gauge_id, sequence) as the reading's identity. Before appending, it
looks the pair up in an in-memory set rebuilt from the spool on start. A repeat is acknowledged
to the gauge (so it stops resending) and dropped. Nothing is ever rewritten in place: a reading
that turns out to be wrong is corrected by a later record, never by editing an old one.
"""

import json
import os


class Spool:
    def __init__(self, path):
        self.path = path
        self.seen = set()
        if os.path.exists(path):
            with open(path) as spool:
                for line in spool:
                    record = json.loads(line)
                    self.seen.add((record["gauge"], record["sequence"]))
        self.file = open(path, "a")

    def append(self, gauge, sequence, level_mm, measured_at):
        """Stores a reading once; returns False for a repeat of one already stored."""
        key = (gauge, sequence)
        if key in self.seen:
            return False
        record = {"gauge": gauge, "sequence": sequence, "level_mm": level_mm, "measured_at": measured_at}
        self.file.write(json.dumps(record, sort_keys=True) + "\n")
        self.file.flush()
        os.fsync(self.file.fileno())
        self.seen.add(key)
        return True
