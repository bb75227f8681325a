"""Information requests under the Transparency Act §6–7 (issue 13 §1): the public form of the
portal (`views`), the service both apps use (`service`), and their states (`states`).
The register for compliance is in `admin.information`."""
