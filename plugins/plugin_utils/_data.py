# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Where the collection's data files are (data/ at the collection root), for the controller-side modules."""

from __future__ import annotations

import os

# plugins/plugin_utils/ -> the collection root.
COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def data_path(*parts):
    """The path of data/<parts...> in the collection."""
    return os.path.join(COLLECTION_ROOT, "data", *parts)
