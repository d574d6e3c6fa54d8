"""One transaction around the repositories a service uses."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.orm import Session, sessionmaker

from .calibration import SqlCalibrationRepository
from .call_list import SqlCallListRepository
from .care import SqlCareRepository
from .care_opportunities import SqlCareOpportunityRepository
from .care_service import SqlCareServiceRepository
from .dashboards import SqlDashboardRepository
from .evaluations import SqlEvaluationRepository
from .people import SqlAuditRepository, SqlSessionRepository, SqlUserRepository
from .perception_labels import SqlPerceptionLabelRepository
from .playlists import SqlPlaylistRepository
from .repository import SqlCallRepository
from .reviews import SqlReviewRepository
from .rules_data import SqlPlanRepository, SqlScorecardRepository
from .sampling import SqlSamplingRepository


class SqlUnitOfWork:
    """`with uow: uow.calls.add_queued(...); uow.commit()`.

    Nothing is written unless `commit()` is called; leaving the block rolls back whatever was
    not committed (always, so an exception never leaves half a change). Reusable: each `with`
    opens a new session.
    """

    calls: SqlCallRepository
    evaluations: SqlEvaluationRepository
    scorecards: SqlScorecardRepository
    plans: SqlPlanRepository
    users: SqlUserRepository
    sessions: SqlSessionRepository
    audit: SqlAuditRepository
    playlists: SqlPlaylistRepository
    dashboards: SqlDashboardRepository
    reviews: SqlReviewRepository
    sampling: SqlSamplingRepository
    calibration: SqlCalibrationRepository
    call_list: SqlCallListRepository
    care: SqlCareRepository
    care_opportunities: SqlCareOpportunityRepository
    care_service: SqlCareServiceRepository
    perception_labels: SqlPerceptionLabelRepository

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory
        self._session: Session | None = None

    def __enter__(self) -> Self:
        self._session = self._session_factory()
        self.calls = SqlCallRepository(self._session)
        self.evaluations = SqlEvaluationRepository(self._session)
        self.scorecards = SqlScorecardRepository(self._session)
        self.plans = SqlPlanRepository(self._session)
        self.users = SqlUserRepository(self._session)
        self.sessions = SqlSessionRepository(self._session)
        self.audit = SqlAuditRepository(self._session)
        self.playlists = SqlPlaylistRepository(self._session)
        self.dashboards = SqlDashboardRepository(self._session)
        self.reviews = SqlReviewRepository(self._session)
        self.sampling = SqlSamplingRepository(self._session)
        self.calibration = SqlCalibrationRepository(self._session)
        self.call_list = SqlCallListRepository(self._session)
        self.care = SqlCareRepository(self._session)
        self.care_opportunities = SqlCareOpportunityRepository(self._session)
        self.care_service = SqlCareServiceRepository(self._session)
        self.perception_labels = SqlPerceptionLabelRepository(self._session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        session = self._active_session()
        try:
            session.rollback()
        finally:
            session.close()
            self._session = None

    def commit(self) -> None:
        self._active_session().commit()

    def rollback(self) -> None:
        self._active_session().rollback()

    def _active_session(self) -> Session:
        if self._session is None:
            raise RuntimeError("use the unit of work inside a `with` block")
        return self._session
