"""IdentitySync dataflows on this machine: parse and check a dataflow JSON, then run it.

``load_dataflow`` checks a flow before anything runs (entry step, splits, error paths, cycles,
component types and parameters, ``<$NAME$>`` variables); ``run_dataflow`` runs it against a
site (the mock or a real one), recording the job in the local history. Components live in
``gigya_migrate.dataflow.components``; ``docs/dataflows.md`` is the user's guide.
"""

from gigya_migrate.dataflow.engine import JobResult, RunSettings, run_dataflow
from gigya_migrate.dataflow.history import History
from gigya_migrate.dataflow.model import Dataflow, DataflowError, load_dataflow, parse_dataflow
from gigya_migrate.dataflow.variables import VariableError, Variables

__all__ = ["Dataflow", "DataflowError", "History", "JobResult", "RunSettings", "VariableError", "Variables",
           "load_dataflow", "parse_dataflow", "run_dataflow"]
