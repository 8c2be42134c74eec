"""The coders' web page: server-rendered templates (queue, item, compliance) with a little JavaScript."""
