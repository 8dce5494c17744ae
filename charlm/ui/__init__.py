"""The web app's tabs, one module each; app.py builds them into one page.

    common        what every tab shares: the app's context, each visitor's session, error and number helpers
    train_tab     presets and options, Start / Stop, the live perplexity plot
    inspect_tab   every gate for every character, the units that track something, saturation
    generate_tab  samples with temperature, top-k, top-p and a seed
    models_tab    the pretrained checkpoints with their cards; Download and Push to the Hub
    compare_tab   this session's runs side by side
    cells_tab     each cell's step and derivatives as written

Each tab module builds its widgets and wires their events in one ``create(ctx, demo, session, current)``; its
handlers are plain functions of the context, the session and the widgets' values, which the tests call directly.
"""
