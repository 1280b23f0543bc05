"""Pure domain logic: functions of data and a passed-in ``now``, with no I/O, clock reading or AWS imports."""
