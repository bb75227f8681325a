"""The pages of the supplier workflow (issue 12 §5, §6, §8), on the supplier blueprint
(`supplier_dd.views.bp`). `admin.init_blueprints` imports this module before it registers the
blueprint; importing it also connects the breach receiver (`supplier_dd.signals_in`)."""

from __future__ import annotations

import supplier_dd.action_views  # noqa: F401  (routes on bp)
import supplier_dd.meeting_views  # noqa: F401  (routes on bp)
import supplier_dd.review_views  # noqa: F401  (routes on bp)
import supplier_dd.signals_in  # noqa: F401  (connects the breach receiver)
