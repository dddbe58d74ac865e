from theorylab.cli import main

raise SystemExit(main())
