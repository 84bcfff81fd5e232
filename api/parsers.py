"""The API's one parser: DRF's JSONParser, where a body nested too deep for Python's decoder (a
RecursionError, which is not a ValueError) is a 400 problem like any other body that does not
parse, not a server error."""
from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type=media_type, parser_context=parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the body is nested too deeply.") from None
