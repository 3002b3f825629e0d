"""Stand-ins the Qt-free tests share."""


class FakeHandle:
    """A training process that is always there and keeps what it is sent."""

    def __init__(self, sent: list):
        self.sent_list = sent

    @property
    def sent(self) -> int:
        return len(self.sent_list)

    def alive(self) -> bool:
        return True

    def send(self, cmd) -> None:
        self.sent_list.append(cmd)

    def stop(self) -> None:
        pass
