"""Storage of recorded calls: SQLAlchemy Core tables, Alembic migrations, repository, unit of work.

SQLite (default, a file under the data folder) and PostgreSQL (psycopg 3) behave the same.
"""

from .engine import make_engine, make_session_factory, migrate
from .repository import CallNotFoundError, CallRepository, SqlCallRepository, StaleAnalysisError
from .rows import ExportedCall, ExportedTurn, IngestConflict
from .unit_of_work import SqlUnitOfWork

__all__ = [
    "CallNotFoundError",
    "CallRepository",
    "ExportedCall",
    "ExportedTurn",
    "IngestConflict",
    "SqlCallRepository",
    "SqlUnitOfWork",
    "StaleAnalysisError",
    "make_engine",
    "make_session_factory",
    "migrate",
]
