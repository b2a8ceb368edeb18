import jinja2

import inputs

TEMPLATE = jinja2.Environment(autoescape=True).from_string(
    "<html><head><title>{{ title }}</title></head><body><h1>{{ title }}</h1><table>"
    "{% for r in rows %}<tr><td>{{ r.id }}</td><td>{{ r.name }}</td><td>{{ r.value }}</td></tr>{% endfor %}"
    "</table></body></html>")


def main(event):
    n = inputs.size(event, 200)
    names = inputs.text(inputs.seed(event), n * 8)
    values = inputs.data(inputs.seed(event) + 1, n)
    rows = [{"id": i, "name": names[i * 8:i * 8 + 8], "value": values[i]} for i in range(n)]
    html = TEMPLATE.render(title="Report <%d>" % n, rows=rows)
    return {"length": len(html), "rows": n}
