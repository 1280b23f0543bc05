"""State changes (``do_*``) and the reads pages need. Each write is one DynamoDB transaction that
includes its audit event; services take ``now`` and loaded, authorised records as arguments."""
