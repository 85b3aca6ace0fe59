namespace PcpTestbed.Model;

/// <summary>A lock rule was broken (lockdep_assert_held() and friends). Always a bug in the model or an injected one.</summary>
public sealed class LockdepException(string message) : Exception(message);
