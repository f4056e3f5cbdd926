"""The member's side of the exam service: what runs in a member's kernel on the hub.

- :mod:`~exam_tools.quiz.online.client`: HTTP to the service with the member's own hub token, and a
  local queue for answers while the service is away;
- :mod:`~exam_tools.quiz.online.exam`: the quiz's :class:`~exam_tools.quiz.store.ResponseStore`
  backed by the service, and the 开始考试 screen of an exam the service holds;
- :mod:`~exam_tools.quiz.online.practice`: 核对答案 answered by the service;
- :mod:`~exam_tools.quiz.online.records`: 我的档案 as the organisers published it.

Nothing here imports the service's own code (``exam_tools.service``: its store, rules and keys run
as the service's account): the member side knows the service only through its HTTP API, so the
trust boundary is the package boundary.
"""
