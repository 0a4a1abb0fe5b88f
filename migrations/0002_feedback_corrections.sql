-- Feedback may say what the right answer was (FeedbackRecorded.correction, gesal feedback
-- N - --correct TEXT). NULL: the feedback gave none.
ALTER TABLE feedback ADD COLUMN correction TEXT;
