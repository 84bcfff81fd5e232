from accounts.templatetags.text_tags import email_wrap


def test_an_email_gets_break_points_at_its_parts_and_stays_escaped():
    html = str(email_wrap("jamie.client@mail.example.com"))
    assert html == '<span class="email">jamie.<wbr>client<wbr>@mail.<wbr>example.<wbr>com</span>'
    assert "&lt;b&gt;" in str(email_wrap("<b>@x.com"))
    assert str(email_wrap("")) == ""
