using Checkup.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace Checkup.Tests.Images;

public sealed class ImageOptionsTests
{
    [Theory]
    [InlineData("Images:MaxBytes", "0", "Images__MaxBytes")]
    [InlineData("Images:MaxPixels", "-1", "Images__MaxPixels")]
    [InlineData("Images:MaxAttempts", "0", "Images__MaxAttempts")]
    [InlineData("Images:RetryMaxDelay", "00:00:01", "Images__RetryMaxDelay")] // below the default base delay
    public async Task Startup_refuses_unusable_pipeline_settings_naming_them(string key, string value, string expected)
    {
        var output = await StartupFailure.OfAsync(new Dictionary<string, string?> { [key] = value });

        Assert.Contains("OptionsValidationException", output, StringComparison.Ordinal);
        Assert.Contains(expected, output, StringComparison.Ordinal);
    }
}
