from django.forms.renderers import TemplatesSetting


class BootstrapFormRenderer(TemplatesSetting):
    """Every form renders with Bootstrap markup and its errors next to each field."""

    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"
