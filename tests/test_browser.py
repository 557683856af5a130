"""The browser the pages' tests use sees what they check for: script errors, failed loads,
requests that leave the machine. (These pages are hand-written; animlearn's are tested
in test_player.py and test_study_page.py.)"""

from browser import browser, console_errors, fetched, images_loaded, open_page

__all__ = ["browser"]  # the fixture, imported for pytest

PIXEL = "data:image/gif;base64,R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw=="


def test_a_clean_page_shows_nothing_wrong(browser, tmp_path):
    page = tmp_path / "clean.html"
    page.write_text(f"<!doctype html><title>t</title><img src='{PIXEL}'><script>let x = 1;</script>")
    open_page(browser, page)
    assert console_errors(browser) == []
    assert fetched(browser) == []
    assert images_loaded(browser) == []


def test_a_script_error_and_a_missing_image_are_seen(browser, tmp_path):
    page = tmp_path / "broken.html"
    page.write_text("<!doctype html><title>t</title><img src='missing.png'><script>nothing();</script>")
    open_page(browser, page)
    errors = console_errors(browser)
    assert any("nothing is not defined" in e for e in errors), errors
    assert any("missing.png" in e for e in errors), errors
    assert images_loaded(browser) == [(tmp_path / "missing.png").as_uri()]


def test_a_request_to_the_network_is_seen(browser, tmp_path):
    page = tmp_path / "online.html"
    # .invalid never resolves (RFC 2606), so nothing leaves the machine; the attempt is recorded
    page.write_text(
        "<!doctype html><title>t</title><link rel=stylesheet href='http://animlearn.invalid/a.css'>"
    )
    open_page(browser, page)
    assert fetched(browser) == ["http://animlearn.invalid/a.css"]
