from candidates.live.rehearsal import lazy_banner


def rehearsal(request):
    """REHEARSAL: the TEST banner while replay_results runs (base.html); no database query."""
    return {"REHEARSAL": lazy_banner()}
