"""Settings: every field is read from a `TIEXIN_`-prefixed environment variable (or `.env`).

Each field carries its documentation in `description`; docs/settings.md lists them all and a test
fails when one is missing there. Build `Settings()` once in an entry point and pass it down.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ChannelSide = Literal["left", "right"]


def _agent_left_everywhere() -> dict[str, ChannelSide]:
    return {"*": "left"}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TIEXIN_", env_file=".env", extra="ignore", frozen=True
    )

    data_dir: Path = Field(
        Path("var"),
        description="Folder for the embedded database, prepared models and generated demo data.",
    )
    database_url: str | None = Field(
        None,
        description=(
            "SQLAlchemy URL of the database. Default: a SQLite file `tiexin.db` in the data "
            "folder. PostgreSQL: `postgresql+psycopg://user@host:5432/dbname`."
        ),
    )
    asr_model_dir: Path | None = Field(
        None,
        description=(
            "A CTranslate2 Whisper model folder to use instead of the bundled Whisper base "
            "model (for example a larger model converted with ct2-transformers-converter)."
        ),
    )
    asr_threads: int = Field(
        0, ge=0, description="CPU threads per transcriber; 0 means all cores split among workers."
    )
    asr_beam_size: int = Field(5, ge=1, le=10, description="Beam size of the Whisper decoder.")
    asr_vocabulary_file: Path | None = Field(
        None,
        description=(
            "Text file of domain words (one per line: plan names, 贵宾, 全球通, 积分...) given to "
            "Whisper as hot words. Default: the vocabulary bundled with Tiexin."
        ),
    )
    scorecard_file: Path | None = Field(
        None,
        description=(
            "Scorecard YAML every analysed call is scored with (docs/scorecard-language.md). "
            "Default: the bundled `10088-vip` scorecard."
        ),
    )
    catalog_file: Path | None = Field(
        None,
        description=(
            "Tariff catalogue YAML (docs/catalogue.md) the `plan_facts` item checks what agents "
            "say against. Without it that item is N/A."
        ),
    )
    perception_model: Path | None = Field(
        None,
        description=(
            "Customer-perception model file (`tiexin perception train`, docs/perception.md) "
            "applied to every analysed call. Without it calls carry no perception estimate."
        ),
    )
    default_language: Literal["zh", "en"] = Field(
        "zh", description="Language of lines that `line_languages` does not name."
    )
    line_languages: dict[str, Literal["zh", "en"]] = Field(
        default_factory=dict,
        description='Language per line, as JSON: `{"10088": "zh", "4008": "en"}`.',
    )
    agent_channel: dict[str, ChannelSide] = Field(
        default_factory=_agent_left_everywhere,
        description=(
            "Which stereo channel carries the agent, as JSON keyed by `line/direction`, `line` "
            'or `*`, the most specific key winning: `{"*": "left", "4008/outbound": "right"}`.'
        ),
    )
    max_duration_s: float = Field(
        4 * 3600.0, gt=0, description="Recordings longer than this fail with a clear reason."
    )
    silence_threshold_s: float = Field(
        3.0, gt=0, description="Silences at least this long are counted and listed per call."
    )
    pii_keep_original: Literal["none", "database"] = Field(
        "none",
        description=(
            "Where unmasked text is kept: `none` (default) keeps only the masked text; "
            "`database` also stores the original in a separate column for privileged roles."
        ),
    )
    workers: int = Field(1, ge=1, description="Default number of worker processes for analysis.")
    ray_address: str | None = Field(
        None, description="Address of a Ray cluster for `--runner ray`; default starts a local one."
    )
    host: str = Field("127.0.0.1", description="Address `tiexin serve` listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port `tiexin serve` listens on.")
    web_workers: int = Field(
        1,
        ge=1,
        description="Processes `tiexin serve` runs; one per CPU core serves more users at once.",
    )
    session_hours: float = Field(
        12.0, gt=0, description="A login (browser session or API token) expires after this long."
    )
    cookie_secure: bool = Field(
        True,
        description=(
            "Mark the session cookie `Secure` (sent over HTTPS only; browsers also accept it on "
            "127.0.0.1/localhost). Turn off only behind a plain-HTTP proxy you trust."
        ),
    )
    login_max_failures: int = Field(
        5, ge=1, description="Wrong passwords in a row before an account is locked."
    )
    login_lockout_minutes: float = Field(
        15.0, gt=0, description="How long a locked account stays locked."
    )
    appeal_days: int = Field(
        7, ge=1, description="Days after release during which an agent may appeal an evaluation."
    )
    care_rules_file: Path | None = Field(
        None,
        description=(
            "Care rules YAML (docs/care-rules.md) `tiexin care run` plans with unless `--rules` "
            "is given. Default: the newest version saved in the web app, else the bundled rules."
        ),
    )
    care_privileges_file: Path | None = Field(
        None,
        description=(
            "VIP privileges YAML (docs/care.md#vip-privileges): what each tier may redeem per "
            "year. Default: the bundled privileges."
        ),
    )
    sms_gateway_url: str | None = Field(
        None,
        description=(
            "URL of the operator's SMS gateway: `tiexin sms send` POSTs each message to it as "
            "JSON. Without it messages are delivered to the outbox file."
        ),
    )
    sms_sender: str = Field(
        "10088", description="Sender id sent to the SMS gateway with every message."
    )
    sms_outbox_file: Path | None = Field(
        None,
        description=(
            "JSON Lines file SMS are delivered to when no gateway is set. Default: "
            "`sms-outbox.jsonl` in the data folder."
        ),
    )

    @field_validator("agent_channel")
    @classmethod
    def _has_fallback(cls, value: dict[str, ChannelSide]) -> dict[str, ChannelSide]:
        return {"*": "left", **value}

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'tiexin.db').as_posix()}"

    def language_for_line(self, line: str) -> str:
        return self.line_languages.get(line, self.default_language)

    def agent_side_for(self, line: str, direction: str) -> ChannelSide:
        for key in (f"{line}/{direction}", line, "*"):
            if key in self.agent_channel:
                return self.agent_channel[key]
        return "left"

    @property
    def model_cache_dir(self) -> Path:
        return self.data_dir / "models"
