"""Read models for staff pages, one module per page family. Each one takes the signed-in user and
shows only what that user may see: authorization lives here and in `tanggap.staff.handlers`, not
in the templates. Each returns plain frozen data that outlives the session it was read in."""
