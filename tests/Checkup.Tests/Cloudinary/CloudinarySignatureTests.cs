using Checkup.Core.Cloudinary;

namespace Checkup.Tests.Cloudinary;

public sealed class CloudinarySignatureTests
{
    [Theory]
    [InlineData("public_id=sample_image", "b4ad47fb4e25c7bf5f92a20089f9db59bc302313")]
    [InlineData("public_id=sample", "c3470533147774275dd37996cc4d0e68fd03cd4f")]
    [InlineData("eager=w_400,h_300,c_pad|w_260,h_200,c_crop;public_id=sample_image", "bfd09f95f331f558cbd1320e67aa8d488770583e")]
    public void Signs_cloudinarys_test_vectors(string fields, string expected)
    {
        var signed = fields.Split(';').Select(f => f.Split('=', 2)).Select(p => new KeyValuePair<string, string>(p[0], p[1]))
            .Append(new("timestamp", "1315060510"));

        Assert.Equal(expected, CloudinarySignature.Sign(signed, "abcd"));
    }

    [Fact]
    public void Leaves_out_file_api_key_resource_type_cloud_name_signature_and_empty_values_and_sorts_by_name()
    {
        KeyValuePair<string, string>[] fields =
        [
            new("timestamp", "1315060510"), new("public_id", "sample_image"), new("file", "bytes"), new("api_key", "k"),
            new("resource_type", "image"), new("cloud_name", "c"), new("signature", "s"), new("tags", ""),
        ];

        Assert.Equal("public_id=sample_image&timestamp=1315060510", CloudinarySignature.StringToSign(fields));
        Assert.Equal("b4ad47fb4e25c7bf5f92a20089f9db59bc302313", CloudinarySignature.Sign(fields, "abcd"));
    }

    [Fact]
    public void Escapes_ampersands_inside_a_value()
    {
        KeyValuePair<string, string>[] fields = [new("context", "caption=a&b"), new("timestamp", "1")];

        Assert.Equal("context=caption=a%26b&timestamp=1", CloudinarySignature.StringToSign(fields));
    }

    [Fact]
    public void Can_sign_with_sha256_when_the_account_asks_for_it()
    {
        KeyValuePair<string, string>[] fields = [new("public_id", "sample_image"), new("timestamp", "1315060510")];

        var signature = CloudinarySignature.Sign(fields, "abcd", sha256: true);

        Assert.Equal(64, signature.Length);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("public_id=sample_image&timestamp=1315060510abcd"u8)), signature);
    }
}
