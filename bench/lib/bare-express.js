// Baseline for bench/intake.js: a bare express 5 app that parses the same JSON body and answers 200.
import express from 'express';

const app = express();
app.use(express.json({ type: ['application/json', 'application/fhir+json'], limit: '1mb' }));
app.get('/health/ready', (_req, res) => {
  res.json({ status: 'ok' });
});
app.post('/fhir/$process-message', (req, res) => {
  res
    .status(200)
    .json({ resourceType: 'Bundle', received: Array.isArray(req.body?.entry) ? req.body.entry.length : 0 });
});
app.listen(Number(process.env.PORT), '127.0.0.1');
