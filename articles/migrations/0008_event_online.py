"""Events: "streamed or held online" for an event whose stream address is not known (yet),
such as seed 003's Twitch forum, so its schema.org data and calendar entry say it is online."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0007_media_library'),
    ]

    operations = [
        migrations.AddField(
            model_name='event',
            name='online',
            field=models.BooleanField(default=False, help_text="Tick when it is online but the stream's address is not known (yet): an event with a stream address above is online anyway.", verbose_name='streamed or held online'),
        ),
        migrations.AddField(
            model_name='historicalevent',
            name='online',
            field=models.BooleanField(default=False, help_text="Tick when it is online but the stream's address is not known (yet): an event with a stream address above is online anyway.", verbose_name='streamed or held online'),
        ),
    ]
