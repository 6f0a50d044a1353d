"""Create the newsroom's role groups: Contributor, Editor, Data editor (civicsite/roles.py).

The same function runs again with ``manage.py sync_roles`` after models are added; each run
sets the groups' permissions to exactly civicsite.roles.ROLES. Reversing removes the groups.
"""

from django.db import migrations

from civicsite.roles import ROLES, sync_roles


def create_roles(apps, schema_editor):
    sync_roles(apps)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=list(ROLES)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("civicsite", "0002_article_search_index"),
        ("articles", "0004_article_history_publish_permission"),
        ("candidates", "0003_edit_history_and_corrections"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
