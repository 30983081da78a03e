"""One interaction's answer as ``bench/protocol.py``'s client collects it: the messages from the
``rerun_script`` sent to the last ``script_finished``, the elements drawn, and what they say (alerts,
exceptions, widgets)."""
from __future__ import annotations

from dataclasses import dataclass, field

from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from widget_states import Widget, find

ALERT_FORMATS = {Alert.ERROR: "error", Alert.WARNING: "warning", Alert.INFO: "info", Alert.SUCCESS: "success"}


@dataclass
class Run:
    """The messages of one interaction: from the ``rerun_script`` sent to the last ``script_finished``."""

    messages: list[ForwardMsg] = field(default_factory=list)
    elements: dict[tuple[int, ...], Element] = field(default_factory=dict)  # delta path -> element
    statuses: list[int] = field(default_factory=list)  # every script_finished status, in order
    finished_at: list[float] = field(default_factory=list)  # time.monotonic() of each script_finished
    widgets: list[Widget] = field(default_factory=list)  # the widgets drawn, with the client's values
    seconds: float = 0.0

    @property
    def finished(self) -> bool:
        """True when the last run ended other than early for another run."""
        return bool(self.statuses) and self.statuses[-1] != ForwardMsg.FINISHED_EARLY_FOR_RERUN

    def widget(self, label: str, type: str | None = None) -> Widget:
        """The one widget of this run with this label (and type); KeyError if none or several."""
        return find(self.widgets, label, type)

    def alerts(self, kind: str | None = None) -> list[str]:
        """The bodies of st.error / st.warning / st.info / st.success (``kind`` one of those words)."""
        return [e.alert.body for e in self.elements.values() if e.WhichOneof("type") == "alert"
                and (kind is None or ALERT_FORMATS.get(e.alert.format) == kind)]

    def warnings(self) -> list[str]:
        return self.alerts("warning")

    def errors(self) -> list[str]:
        return self.alerts("error")

    def exceptions(self) -> list[str]:
        """Exception elements (an uncaught error in the script or in Streamlit), as ``type: message``."""
        return [f"{e.exception.type}: {e.exception.message}" for e in self.elements.values()
                if e.WhichOneof("type") == "exception"]
