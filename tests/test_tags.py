from bot.core.tags import best_display, is_hashtag_line, parse_hashtag_line, split_tag_field, tag_display, tag_key


def test_written_forms_of_one_tag_share_a_key():
    forms = ["#PostTraumaticGrowth", "post traumatic growth", "posttraumaticgrowth", "Post-Traumatic Growth",
             "post_traumatic_growth", "  #posttraumaticGROWTH  "]
    assert {tag_key(f) for f in forms} == {"posttraumaticgrowth"}


def test_display_form_is_readable():
    assert tag_display("#PostTraumaticGrowth") == "post traumatic growth"
    assert tag_display("post-traumatic growth") == "post-traumatic growth"
    assert tag_display("self_reconstruction") == "self reconstruction"
    assert best_display(["posttraumaticgrowth", "#PostTraumaticGrowth"]) == "post traumatic growth"
    assert best_display(["posttraumaticgrowth", "post-traumatic growth"]) == "post-traumatic growth"


def test_hashtag_lines():
    line = "#sexualintimacy#posttraumaticgrowth#healing#"
    assert is_hashtag_line(line)
    assert parse_hashtag_line(line) == ["sexualintimacy", "posttraumaticgrowth", "healing"]
    assert not is_hashtag_line("We are #1 in the world")
    assert not is_hashtag_line("")


def test_tag_fields_accept_lists_and_strings():
    assert split_tag_field(["a", "b, c"]) == ["a", "b", "c"]
    assert split_tag_field("#a#b, post traumatic growth") == ["a", "b", "post traumatic growth"]
    assert split_tag_field(None) == []
