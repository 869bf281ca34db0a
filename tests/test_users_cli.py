"""`flask --app tracker users …`: no default password anywhere, clear refusals."""
from sqlalchemy import select

from tracker.core.models import User
from tracker.users import passwords


def test_create_reads_the_password_from_stdin(runner, session):
    result = runner.invoke(args=["users", "create", "--email", "Viewer@Example.org", "--role", "viewer",
                                 "--password-stdin"], input="a long enough passphrase\n")
    assert result.exit_code == 0, result.output
    user = session.scalar(select(User))
    assert (user.email, user.role) == ("viewer@example.org", "viewer")
    assert passwords.verify(user.password_hash, "a long enough passphrase")


def test_create_prompts_twice_without_stdin(runner, session):
    result = runner.invoke(args=["users", "create", "--email", "a@example.org", "--role", "admin"],
                           input="a long enough passphrase\na long enough passphrase\n")
    assert result.exit_code == 0, result.output


def test_list_set_role_and_disable(runner, session):
    from tests import factories

    donor = factories.add_contribution(session, factories.add_gap(session), "1.00", donor="Japan").donor
    factories.add_user(session, "v@example.org", "viewer")
    session.commit()
    assert runner.invoke(args=["users", "set-role", "v@example.org", "donor", "--donor", str(donor.id)]).exit_code == 0
    assert runner.invoke(args=["users", "disable", "v@example.org"]).exit_code == 0
    listed = runner.invoke(args=["users", "list"]).output
    assert f"v@example.org\tdonor donor={donor.id}\tdisabled" in listed


def test_bad_arguments_exit_non_zero_with_one_line(runner, session):
    cases = [
        (["users", "create", "--email", "not-an-email", "--role", "viewer", "--password-stdin"], "valid email"),
        (["users", "create", "--email", "a@example.org", "--role", "boss", "--password-stdin"], "boss"),
        (["users", "create", "--email", "a@example.org", "--role", "viewer", "--password-stdin"], "12 characters"),
        (["users", "create", "--email", "a@example.org", "--role", "donor", "--password-stdin"], "linked"),
        (["users", "disable", "nobody@example.org"], "No user"),
    ]
    for args, message in cases:
        result = runner.invoke(args=args, input="short\n")
        assert result.exit_code != 0, args
        assert message in result.output, (args, result.output)
    assert session.scalar(select(User)) is None


def test_a_donor_user_is_not_linked_to_a_merged_donor(runner, session):
    from tests import factories
    from tracker.donors import rules as donors

    kept, merged = donors.find_or_add_donor(session, "Kept"), donors.find_or_add_donor(session, "Merged")
    donors.merge_donors(session, merged, kept, merged.version, kept.version)
    factories.add_user(session, "v@example.org", "viewer")
    session.commit()
    result = runner.invoke(args=["users", "set-role", "v@example.org", "donor", "--donor", str(merged.id)])
    assert result.exit_code != 0
    assert f"merged into donor {kept.id}" in result.output


def test_invite_prints_a_single_use_link_and_enable_undoes_disable(app, runner, session):
    from tests import factories
    from tracker.core.models import SignInLink

    donor = factories.add_contribution(session, factories.add_gap(session), "1.00", donor="Japan").donor
    session.commit()
    result = runner.invoke(args=["users", "invite", "--email", "Focal@Japan.example", "--role", "donor",
                                 "--donor", "japan"])
    assert result.exit_code == 0, result.output
    link = result.output.splitlines()[-1]
    assert link.startswith("http://localhost/link/") and "72 hours" in result.output
    session.expire_all()
    user = session.scalar(select(User).where(User.email == "focal@japan.example"))
    assert (user.role, user.donor_id, session.scalar(select(SignInLink.purpose))) == ("donor", donor.id, "invitation")
    session.rollback()
    unknown = runner.invoke(args=["users", "invite", "--email", "x@example.org", "--role", "donor", "--donor", "Jpan"])
    assert unknown.exit_code != 0 and "No donor is called Jpan" in unknown.output
    assert runner.invoke(args=["users", "disable", "focal@japan.example"]).exit_code == 0
    assert runner.invoke(args=["users", "enable", "focal@japan.example"]).exit_code == 0
    assert "focal@japan.example\tdonor" in runner.invoke(args=["users", "list"]).output
    assert "\tactive" in runner.invoke(args=["users", "list"]).output
