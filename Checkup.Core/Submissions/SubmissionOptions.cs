using System.Globalization;

namespace Checkup.Core.Submissions;

/// <summary><c>Checkup__SubmissionDeadline</c>: after it, saves and submits are refused; reading goes on.</summary>
public sealed class SubmissionOptions
{
    public string? SubmissionDeadline { get; set; }

    /// <summary>The deadline as an instant; a value without an offset is taken as UTC.</summary>
    public DateTimeOffset? Deadline => TryParse(SubmissionDeadline, out var deadline) ? deadline : null;

    public bool DeadlinePassed(TimeProvider time) => Deadline is { } deadline && time.GetUtcNow() >= deadline;

    internal static string? Problem(SubmissionOptions options) =>
        string.IsNullOrWhiteSpace(options.SubmissionDeadline) || TryParse(options.SubmissionDeadline, out _)
            ? null
            : $"Checkup__SubmissionDeadline is malformed ('{options.SubmissionDeadline}'): expected an ISO 8601 instant, e.g. '2026-03-01T23:59:59+01:00'.";

    private static bool TryParse(string? value, out DateTimeOffset deadline) =>
        DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out deadline);
}
