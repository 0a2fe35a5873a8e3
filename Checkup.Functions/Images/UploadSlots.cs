using System.Collections.Concurrent;

namespace Checkup.Functions.Images;

/// <summary>
/// Uploads in flight per person. The write limit counts requests as they start; a person who opens many slow uploads at
/// once would still hold that many connections, rows and storage Puts, so at most
/// <see cref="Core.Images.ImageOptions.MaxConcurrentUploads"/> run at a time per person.
/// </summary>
public sealed class UploadSlots
{
    private readonly ConcurrentDictionary<string, int> _inFlight = new(StringComparer.Ordinal);

    /// <returns>a slot to dispose when the upload ends, or null when the person has <paramref name="max"/> running.</returns>
    public IDisposable? TryTake(string owner, int max)
    {
        while (true)
        {
            var current = _inFlight.GetOrAdd(owner, 0);
            if (current >= max)
            {
                return null;
            }

            if (_inFlight.TryUpdate(owner, current + 1, current))
            {
                return new Slot(this, owner);
            }
        }
    }

    private void Release(string owner)
    {
        while (true)
        {
            var current = _inFlight[owner];
            if (current == 1 ? _inFlight.TryRemove(new KeyValuePair<string, int>(owner, 1)) : _inFlight.TryUpdate(owner, current - 1, current))
            {
                return;
            }
        }
    }

    private sealed class Slot(UploadSlots slots, string owner) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                slots.Release(owner);
            }
        }
    }
}
