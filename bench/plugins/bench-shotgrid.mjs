// The big-batch phase's plugin: a ShotGrid user's, matching every delivery of source `sg`, so each
// batch is handed over (50 events with their 45 MB request body) while the next one may arrive.
// It reads the delivery's id as a real handler would read its fields.
export default {
  name: 'bench-shotgrid',
  match: { source: 'sg' },
  handle(event) {
    return event.payload?.data?.delivery_id ?? null;
  },
};
