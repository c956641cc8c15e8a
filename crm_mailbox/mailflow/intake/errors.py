"""Why a pull stopped: the stage that failed, in words an administrator can act on."""


class IntakeError(Exception):
	"""A pull stopped before the folder was drained; what was recorded stays recorded."""

	stage = "intake"

	def __init__(self, detail: str):
		super().__init__(f"{self.stage}: {detail}")
		self.detail = detail


class NetworkError(IntakeError):
	"""The server could not be reached, or the connection dropped mid-pull (try again later)."""

	stage = "network"


class LoginError(IntakeError):
	"""The server refused the user name or password (retrying will not help until they change)."""

	stage = "login"


class FolderError(IntakeError):
	"""The folder does not exist or cannot be opened."""

	stage = "folder"
