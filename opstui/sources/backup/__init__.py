"""The ``backup`` source: backups verified, not ticked.

Three kinds read what a backup left behind (:mod:`.files`: the newest file of a glob; :mod:`.command`: a
backup tool's own report; :mod:`.archiver`: WAL archiving in ``pg_stat_archiver``); :mod:`.assess` turns
what was found into a state, a line of what was seen and the metrics the built-in rules read;
:mod:`.source` is the polling loop. Everything read (file names, a command's output, a server's answer)
is hostile: numbers and times pass the source's border, text passes the one sanitiser.
"""
