"""``python -m opstui`` is ``opstui``."""

from opstui.cli import main

raise SystemExit(main())
