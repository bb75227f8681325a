"""Forms of the supplier register pages. Formats are checked here; the register's rules
(country, lists, the large-and-important reason, the producer) by `register.check_supplier`,
the same check an import row passes."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from supplier_dd.states import CertificationScheme


class CheckboxListField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SupplierForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter the supplier's name.")),
                                               Length(max=200)])
    org_number = StringField(_l("Organisation number"), validators=[Optional(), Length(max=40)])
    country = StringField(_l("Country"), validators=[DataRequired(_l("Enter the country.")),
                                                     Length(max=60)])
    tier = RadioField(_l("Tier"), choices=lambda: [("1", "1"), ("2", "2"), ("3", "3")],
                      validators=[DataRequired(_l("The tier must be 1, 2 or 3."))])
    sector = SelectField(_l("Sector"), validators=[Optional()])
    product_groups = CheckboxListField(_l("Product groups"), validators=[Optional()])
    is_wholesaler = BooleanField(_l("A wholesaler (it sells what a producer makes)"))
    fronts_id = SelectField(_l("The producer it fronts"), validators=[Optional()])
    buyer_unit_ids = CheckboxListField(_l("Our companies that buy from it"),
                                       validators=[Optional()])
    spend_band = SelectField(_l("Annual spend"), validators=[Optional()])
    large_by_hand = BooleanField(_l("Large and important, whatever the spend"))
    large_reason = TextAreaField(_l("Why it is large and important"),
                                 validators=[Optional(), Length(max=2000)])
    contract_start = DateField(_l("Contract start"), validators=[Optional()])
    contract_end = DateField(_l("Contract end"), validators=[Optional()])
    termination_clause = RadioField(
        _l("The contract may be ended on serious deviations"),
        choices=lambda: [("yes", _l("Yes")), ("no", _l("No")), ("", _l("Not known"))],
        default="", validators=[Optional()])


class ContactForm(FlaskForm):
    contact_name = StringField(_l("Name"), validators=[
        DataRequired(_l("Enter the contact's name.")), Length(max=200)])
    contact_role = StringField(_l("Role at the supplier"), validators=[Optional(), Length(max=200)])
    contact_email = EmailField(_l("Email address"), validators=[Optional(), Length(max=254)])
    contact_phone = StringField(_l("Telephone"), validators=[Optional(), Length(max=40)])


class CertificationForm(FlaskForm):
    scheme = SelectField(_l("Certificate"),
                         choices=lambda: [(item.value, item.value) for item in CertificationScheme])
    expires_on = DateField(_l("Expires on"), validators=[
        DataRequired(_l("Enter the date the certificate expires."))])
    reference = StringField(_l("Certificate number (optional)"),
                            validators=[Optional(), Length(max=100)])


class ImportForm(FlaskForm):
    supplier_list = FileField(_l("Supplier list (.csv or .xlsx)"),
                     validators=[FileRequired(_l("Choose a file to import."))])


class EmptyForm(FlaskForm):
    """A CSRF token only, for the remove buttons."""
