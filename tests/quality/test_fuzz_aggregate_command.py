"""Random and hostile answer files (hypothesis) given to `microwork aggregate`: it writes labels
or refuses the file with a CommandError naming what is wrong, never a traceback."""

import io

from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

HOSTILE = [
    b"worker,task,label\n",
    b"w1,t1,cat\n",
    b"w1,t1,\n",
    b"w1,t1,1e309\n",
    b"w1,t1,nan\n",
    b"w1,t1,-0\n",
    b'"',
    b",",
    b"\n",
    b"\r\n",
    b"\x00",
    b"\xff",
    b"\xef\xbb\xbf",
    b"x" * 200,
]
files = st.lists(st.one_of(st.sampled_from(HOSTILE), st.binary(max_size=20)), max_size=25).map(
    b"".join
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    content=files,
    method=st.sampled_from(
        ["majority_vote", "dawid_skene", "ds_mace", "median", "trimmed_mean", "text"]
    ),
)
def test_any_answer_file_is_aggregated_or_refused_with_a_message(tmp_path, content, method):
    path = tmp_path / "answers.csv"
    path.write_bytes(b"worker,task,label\n" + content if content[:1] == b"w" else content)
    out, err = io.StringIO(), io.StringIO()

    try:
        call_command("aggregate", str(path), "--method", method, stdout=out, stderr=err)
    except CommandError as refused:
        assert str(refused)
    else:
        assert out.getvalue().startswith("task,label")
